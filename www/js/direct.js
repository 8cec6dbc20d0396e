// The console talking to the Chat service directly from the page, through the chat-recall
// package (a RecallClient per connection). It needs a UserSig made elsewhere: the secret key
// that makes UserSigs must never be in a page, where anyone who opens it could read it.
import init, { RecallClient } from 'chat-recall';
import { ApiError } from './errors.js';
import { LocalJobs } from './local-jobs.js';

/** Answers about the probed group, given only after the credentials were accepted. */
const GROUP_SCOPED = new Set([10004, 10007, 10010, 10015]);
const REGIONS = ['china', 'singapore', 'seoul', 'tokyo', 'frankfurt', 'india', 'usa', 'jakarta'];

export class DirectBackend {
  /** @param {{ sdkAppId: string|number, identifier: string, userSig: string, region?: string, baseUrl?: string }} opts */
  constructor(opts) {
    const sdkAppId = Number(opts.sdkAppId);
    if (!Number.isInteger(sdkAppId) || sdkAppId < 1 || sdkAppId > 0xffffffff) throw new ApiError({ kind: 'invalid_input', info: 'SDKAppID: a whole number, as shown in the Chat console (e.g. 1400000000)' });
    if (!opts.identifier) throw new ApiError({ kind: 'invalid_input', info: 'Admin identifier: required (the app administrator account, e.g. administrator)' });
    if (!opts.userSig) throw new ApiError({ kind: 'invalid_input', info: 'UserSig: required; make one on your server for the admin identifier' });
    if (opts.baseUrl) {
      try { new URL(opts.baseUrl); } catch { throw new ApiError({ kind: 'invalid_input', info: `Base URL: "${opts.baseUrl}" is not a URL` }); }
    } else if (!REGIONS.includes(opts.region ?? '')) {
      throw new ApiError({ kind: 'invalid_input', info: 'Region: choose the region your app was created in, or give a base URL' });
    }
    this.options = {
      sdkAppId, identifier: opts.identifier, userSig: opts.userSig,
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl.replace(/\/+$/, '') } : { region: opts.region }),
    };
    this.mode = 'direct';
    this.target = opts.baseUrl || `the ${opts.region} region`;
    this.hasLiveFeed = false;
    this.jobs = new LocalJobs((fetchImpl) => this.client(fetchImpl), `chat-recall-console:jobs:${sdkAppId}`);
    this.auditLog = [];
  }

  /** A RecallClient; bulk jobs pass their own counting fetch. */
  client(fetchImpl) {
    return new RecallClient({ ...this.options, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  }

  async check() {
    await init();
    this.main = this.client();
    // Reading a group goes through the same account and signature checks as a recall and
    // changes nothing; an answer about the group itself (it does not exist here, or the
    // admin may not read it) still proves the credentials. Anything else is reported.
    try {
      await this.main.getGroupHistory({ groupId: 'demo-public', count: 1 });
    } catch (e) {
      if (!(e?.kind === 'not_found' || GROUP_SCOPED.has(e?.code))) throw e;
    }
  }

  log(action, summary, reason) {
    this.auditLog.unshift({ at: Date.now(), actor: `${this.options.identifier} (this page)`, action, reason, summary });
  }

  groupHistory(args) { return this.main.getGroupHistory({ ...strip(args), withRecalled: true }); }
  async recallGroup(args) {
    const r = await this.main.recallGroupMessages(strip(args));
    this.log('recallGroup', `${args.groupId}: ${r.recalled} recalled, ${r.failed} failed of ${r.requested}`, args.reason);
    return r;
  }
  async recallSender(args) {
    const { reason, ...rest } = args;
    await this.main.recallGroupMessagesBySender(strip(rest));
    this.log('recallSender', `${args.groupId}: everything ${args.senderAccount} sent recently`, reason);
    return {};
  }
  c2cHistory(args) { return this.main.getC2CHistory(strip(args)); }
  async recallC2C(args) {
    const { reason, ...rest } = args;
    const r = await this.main.recallC2CMessage(strip(rest));
    this.log('recallC2C', `${args.fromAccount} → ${args.toAccount} ${args.msgKey}${r.alreadyRecalled ? ' (already recalled)' : ''}`, reason);
    return r;
  }

  async startJob(spec) {
    const job = this.jobs.start(spec);
    this.log(spec.kind, job.label, spec.reason);
    return job;
  }
  async listJobs() { return this.jobs.list(); }
  async getJob(id) { return this.jobs.get(id); }
  async cancelJob(id) { return this.jobs.cancel(id); }
  async audit() { return this.auditLog; }
}

/** Drops empty optional fields, so the package sees "absent" rather than "". */
function strip(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && v !== null));
}
