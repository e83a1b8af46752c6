// A stand-in for ramsso-host speaking the native messaging contract, for the
// Chromium smoke test. It never stores anything; it logs message types (and
// whether an assertion arrived, not the assertion) to $SMOKE_LOG.

import { appendFileSync } from 'node:fs';

const LOG = process.env.SMOKE_LOG || '/dev/null';
const ROLES = [
  { roleArn: 'acs:ram::1111111111111111:role/admin', providerArn: 'acs:ram::1111111111111111:saml-provider/idp', accountId: '1111111111111111', roleName: 'admin' },
  { roleArn: 'acs:ram::1111111111111111:role/readonly', providerArn: 'acs:ram::1111111111111111:saml-provider/idp', accountId: '1111111111111111', roleName: 'readonly' },
  { roleArn: 'acs:ram::2222222222222222:role/deploy', providerArn: 'acs:ram::2222222222222222:saml-provider/idp', accountId: '2222222222222222', roleName: 'deploy', accountAlias: 'staging' },
];

function send(obj) {
  const body = Buffer.from(JSON.stringify(obj));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  process.stdout.write(Buffer.concat([len, body]));
}

function log(obj) {
  appendFileSync(LOG, `${JSON.stringify(obj)}\n`);
}

log({ started: true, origin: process.argv[2] ?? '' });
let buf = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 4) {
    const n = buf.readUInt32LE(0);
    if (buf.length < 4 + n) break;
    const msg = JSON.parse(buf.subarray(4, 4 + n).toString());
    buf = buf.subarray(4 + n);
    log({ type: msg.type, id: msg.id, hasSaml: typeof msg.samlResponse === 'string' && msg.samlResponse.length > 0, roleArn: msg.roleArn, targetRole: msg.targetRole, tabId: msg.tabId, relayState: msg.relayState });
    if (msg.type === 'ping') send({ ok: true, type: 'pong', version: '0.0.0-smoke', protocol: 1 });
    if (msg.type === 'capture') {
      send({ ok: true, type: 'status', id: msg.id, state: 'deciding', issuer: 'https://idp.test/saml' });
      send({ ok: true, type: 'status', id: msg.id, state: 'needs_choice', roles: ROLES });
    }
    if (msg.type === 'choose') {
      send({ ok: true, type: 'status', id: msg.id, state: 'exchanging' });
      send({ ok: true, type: 'done', id: msg.id, profile: `smoke-${msg.roleArn.split('/').pop()}`, roleArn: msg.roleArn, expiration: new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z') });
    }
    if (msg.type === 'cancel') process.exit(0);
  }
});
process.stdin.on('end', () => process.exit(0));
