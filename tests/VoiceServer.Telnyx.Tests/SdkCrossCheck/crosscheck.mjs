// The official Telnyx Node SDK as an independent oracle for voice-server's Telnyx code. Reads one JSON request
// on stdin, writes one JSON answer on stdout:
//   {"mode":"sign"}                                      -> a vector signed with node:crypto that the SDK accepts
//   {"mode":"verify","publicKey","body","headers"}       -> {"ok":true} or {"ok":false,"error":"…"} from the SDK
//   {"mode":"callControl","callControlId","to"}          -> the requests the SDK sends for hang-up and transfer
//   {"mode":"recordings","recordingId"}                  -> the requests the SDK sends to retrieve and delete a recording
import { createServer } from 'node:http';
import { generateKeyPairSync, sign } from 'node:crypto';
import Telnyx from 'telnyx';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

async function verify(publicKey, body, headers) {
  try {
    await new TelnyxWebhook(publicKey).verify(body, headers);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error.message };
  }
}

async function signVector() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The portal shows base64 of the raw 32-byte key: the last 32 bytes of the SPKI DER.
  const publicKeyB64 = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  const body = JSON.stringify({ data: { event_type: 'call.initiated', payload: { call_control_id: 'v3:abc', from: 'Zoë ☎' } } });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64');
  const headers = { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': timestamp };
  const sdk = await verify(publicKeyB64, body, headers);
  return { publicKey: publicKeyB64, body, timestamp, signature, sdkAccepts: sdk.ok };
}

async function recordings(recordingId) {
  const { requests, baseURL, close } = await listen();
  const client = new Telnyx({ apiKey: 'key-for-the-cross-check', baseURL, maxRetries: 0 });
  await client.recordings.retrieve(recordingId);
  await client.recordings.delete(recordingId);
  close();
  return { requests };
}

// A local server that records each request and answers 200 with a small JSON body.
async function listen() {
  const requests = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      requests.push({
        method: request.method,
        path: request.url,
        authorization: request.headers.authorization ?? null,
        contentType: request.headers['content-type'] ?? null,
        body,
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"data":{"result":"ok"}}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { requests, baseURL: `http://127.0.0.1:${server.address().port}/v2`, close: () => server.close() };
}

async function callControl(callControlId, to) {
  const { requests, baseURL, close } = await listen();
  const client = new Telnyx({ apiKey: 'key-for-the-cross-check', baseURL, maxRetries: 0 });
  await client.calls.actions.hangup(callControlId, {});
  await client.calls.actions.transfer(callControlId, { to });
  close();
  return { requests };
}

const answer = input.mode === 'sign' ? await signVector()
  : input.mode === 'verify' ? await verify(input.publicKey, input.body, input.headers)
  : input.mode === 'callControl' ? await callControl(input.callControlId, input.to)
  : input.mode === 'recordings' ? await recordings(input.recordingId)
  : { error: `unknown mode ${input.mode}` };
process.stdout.write(JSON.stringify(answer));
