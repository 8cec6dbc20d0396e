// The service's per-message and request codes, in plain words for the result tables.
// Sources: the recall pages in shared/seeds and the public error-code table.

const MEANINGS = new Map([
  [0, 'Recalled.'],
  [-1, 'The service did not report on this message; treat it as not recalled and try again.'],
  [-2, 'Cancelled before it was sent.'],
  [-3, 'No answer from the service (network or timeout); not known to be recalled.'],
  [10002, 'Internal error at the service; retry later.'],
  [10004, 'A parameter was refused by the service.'],
  [10007, 'The admin account may not do this in this group.'],
  [10010, 'The group does not exist or was dismissed.'],
  [10015, 'The group ID is not valid.'],
  [10030, 'No message with this MsgSeq.'],
  [10031, 'Too old to recall.'],
  [10032, 'This message cannot be recalled.'],
  [10033, 'This group type does not support recall.'],
  [10041, 'Recall is switched off for this app.'],
  [20022, 'No such one-to-one message.'],
  [20023, 'Already recalled.'],
  [60006, 'The SDKAppID is not valid.'],
  [60007, 'Rate limit reached (200 calls/s per API); the client retries after a pause.'],
  [60011, 'The app rate limit was reached; retry later.'],
  [70001, 'The UserSig has expired.'],
  [70003, 'The UserSig is malformed or truncated.'],
  [70009, 'The UserSig was not made with this app\'s key.'],
  [70013, 'The UserSig belongs to another identifier.'],
  [70014, 'The UserSig belongs to another SDKAppID.'],
  [70016, 'No key for this SDKAppID (wrong region?).'],
  [70020, 'SDKAppID not found (wrong region or app?).'],
  [70050, 'Too many signature failures; wait a minute.'],
  [70107, 'The account was never imported.'],
]);

/** @param {number} code @param {string} [fallback] the service's own message */
export function meaning(code, fallback) {
  return MEANINGS.get(Number(code)) ?? (fallback ? `${fallback}` : `Code ${code}.`);
}
