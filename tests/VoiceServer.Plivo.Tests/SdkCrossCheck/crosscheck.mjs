// The official Plivo Node SDK as an independent oracle for voice-server's X-Plivo-Signature-V3 code. Reads one JSON
// request on stdin, writes one JSON answer on stdout:
//   {"cases":[{"method","uri","nonce","authToken","signature","params"}]} -> {"results":[true|false, …]}
// each result being what the SDK's validateV3Signature says of that case.
import plivo from 'plivo';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

const results = input.cases.map((c) =>
  plivo.validateV3Signature(c.method, c.uri, c.nonce, c.authToken, c.signature, c.params ?? {}));
process.stdout.write(JSON.stringify({ results }));
