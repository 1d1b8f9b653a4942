// The official Vonage JWT and Voice packages as an independent oracle for voice-server's Vonage tokens and NCCOs.
// Reads one JSON request on stdin, writes one JSON answer on stdout:
//   {"verify":[{"token","key"}], "generate":{"applicationId","privateKey"}, "record":{"format","split","channels","beepStart","eventUrl","eventMethod"}}
//     -> {"verified":[true|false, …], "generated":"<token>", "record":{…}}
// each verdict being what verifySignature says of that token and key (a secret for HS256, a public key for RS256),
// "generated" a token from tokenGenerate, as the SDK authorises its own Voice API requests, and "record" the NCCO
// record action the Voice package's Record builder makes of those options (it refuses options Vonage does not allow).
import { verifySignature, tokenGenerate } from '@vonage/jwt';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

const verified = (input.verify ?? []).map((c) => verifySignature(c.token, c.key));
const generated = input.generate ? tokenGenerate(input.generate.applicationId, input.generate.privateKey) : null;
let record = null;
if (input.record) {
  const { Record } = await import('@vonage/voice');
  const r = input.record;
  record = new Record(r.format, r.split, r.channels, undefined, undefined, undefined, r.beepStart, r.eventUrl, r.eventMethod).serializeToNCCO();
}

process.stdout.write(JSON.stringify({ verified, generated, record }));
