#!/usr/bin/env python3
"""Writes the committed seed corpora (seeds/<target>/*) from the service's own samples
(/work/shared/seeds, the JSON blocks of its API pages) and the reference's vectors. Run once
when the samples change: python3 seeds/make.py /path/to/shared/seeds"""
import base64, hashlib, hmac, json, os, re, sys, zlib

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/seeds"

def blocks():
    out = []
    for name in sorted(os.listdir(src)):
        text = open(os.path.join(src, name), encoding="utf-8").read()
        out += [b.strip() for b in re.findall(r"```[a-z]*\n(.*?)```", text, re.S)]
    return out

def strip_comments(s):
    return re.sub(r"\s//[^\n]*", "", s)

def write(target, name, data):
    d = os.path.join(here, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

samples = blocks()
jsons = [strip_comments(b) for b in samples if b.startswith("{")]
urls = [b for b in samples if b.startswith("http")]
history = [
    '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"GroupId":"@TGS#2J4SZEAEL","IsFinished":0,'
    '"RspMsgList":[{"From_Account":"leckie","IsPlaceMsg":0,"IsSystemMsg":0,"MsgPriority":1,'
    '"MsgRandom":8200123,"MsgSeq":100,"MsgTimeStamp":1669872112,"MsgBody":[{"MsgType":"TIMTextElem",'
    '"MsgContent":{"Text":"hi"}}]}]}',
    '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"Complete":0,"MsgCnt":1,"LastMsgTime":1572869830,'
    '"LastMsgKey":"31906_833502_1572869830","MsgList":[{"From_Account":"vinson","To_Account":"dramon",'
    '"MsgSeq":31906,"MsgRandom":833502,"MsgTimeStamp":1572869830,"MsgFlagBits":0,'
    '"MsgKey":"31906_833502_1572869830","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}]}',
]
# Response targets: first byte 0 = HTTP 200, then the body.
for t in ["group_recall", "sender_recall", "c2c_withdraw", "group_history", "c2c_history"]:
    for i, j in enumerate(jsons + history):
        write(t, f"sample{i}", b"\x00" + j.encode())
    write(t, "http500", b"\x05<html>502 Bad Gateway</html>")
for i, j in enumerate(jsons + history):
    write("envelope", f"sample{i}", bytes([0, i % 9]) + j.encode())

# Webhook: flags, URL, NUL, body. The vector signs RequestTime 1669872112 with xxxxyyyy.
sign = hashlib.sha256(b"xxxxyyyy1669872112").hexdigest()
assert sign == "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
q = "https://www.example.com/cb?SdkAppid=88888888&CallbackCommand={}&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"
group_body = [j for j in jsons if "CallbackAfterRecallMsg" in j][0]
c2c_body = json.dumps({"CallbackCommand": "C2C.CallbackAfterMsgWithDraw", "From_Account": "vinson",
                       "To_Account": "dramon", "MsgKey": "31906_833502_1572869830",
                       "UnreadMsgNum": 0, "EventTime": "1669872112000"})
for n, (cmd, body) in enumerate([("Group.CallbackAfterRecallMsg", group_body),
                                  ("C2C.CallbackAfterMsgWithDraw", c2c_body)]):
    url = q.format(cmd)
    write("webhook", f"open{n}", b"\x00" + url.encode() + b"\x00" + body.encode())
    write("webhook", f"signed_by_target{n}", b"\x03" + url.encode() + b"\x00" + body.encode())
    write("webhook", f"signed{n}", b"\x01" + f"{url}&Sign={sign}&RequestTime=1669872112".encode()
          + b"\x00" + body.encode())

# Query handling: the sample URLs' queries, and the webhook's.
for i, u in enumerate(urls + [q.format("Group.CallbackAfterRecallMsg") + "&Sign=" + sign]):
    write("query", f"sample{i}", u.split("?", 1)[1])

# UserSig: the reference vector's fields, signed the TLSSigAPIv2 way (with and without userbuf).
KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
def usersig(identifier, t, expire, userbuf=None):
    content = f"TLS.identifier:{identifier}\nTLS.sdkappid:1400000000\nTLS.time:{t}\nTLS.expire:{expire}\n"
    doc = {"TLS.ver": "2.0", "TLS.identifier": identifier, "TLS.sdkappid": 1400000000,
           "TLS.expire": expire, "TLS.time": t}
    if userbuf is not None:
        b = base64.b64encode(userbuf).decode()
        content += f"TLS.userbuf:{b}\n"
        doc["TLS.userbuf"] = b
    doc["TLS.sig"] = base64.b64encode(hmac.new(KEY.encode(), content.encode(), hashlib.sha256).digest()).decode()
    z = base64.b64encode(zlib.compress(json.dumps(doc, separators=(",", ":")).encode())).decode()
    return z.replace("+", "*").replace("/", "-").replace("=", "_")
write("usersig_verify", "vector", usersig("xiaojun", 1669872112, 86400 * 180))
write("usersig_verify", "userbuf", usersig("xiaojun", 1669872112, 86400, b"\x00abc"))
write("usersig_verify", "admin", usersig("administrator", 1669872112, 604800))

write("msg_key", "sample", "31906_833502_1572869830")
write("msg_key", "sendmsg", "549396494_2578554_1626328484")
for i, s in enumerate(["1", "130", "9007199254740991", "9007199254740992", "00100"]):
    write("msg_seq", f"s{i}", s)
