// The official Vonage JWT package as an independent oracle for voice-server's Vonage tokens. Reads one JSON request
// on stdin, writes one JSON answer on stdout:
//   {"verify":[{"token","key"}], "generate":{"applicationId","privateKey"}}
//     -> {"verified":[true|false, …], "generated":"<token>"}
// each verdict being what verifySignature says of that token and key (a secret for HS256, a public key for RS256),
// and "generated" a token from tokenGenerate, as the SDK authorises its own Voice API requests.
import { verifySignature, tokenGenerate } from '@vonage/jwt';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

const verified = (input.verify ?? []).map((c) => verifySignature(c.token, c.key));
const generated = input.generate ? tokenGenerate(input.generate.applicationId, input.generate.privateKey) : null;
process.stdout.write(JSON.stringify({ verified, generated }));
