// The official Plivo Node SDK as an independent oracle for voice-server's Recording requests and <Record> element.
// Reads one JSON request on stdin, {"authId","authToken","recordingId","record"?}, has the SDK get and delete that
// recording, and writes what it sent on stdout: {"requests":[{"method","url","authorization"}, …],"xml"}. Nothing leaves the machine: the SDK's HTTP library
// answers from here instead of the network.
import { createRequire } from 'node:module';
import plivo from 'plivo';

// The CommonJS axios the SDK requires (an ESM import would be another copy, with its own defaults).
const axios = createRequire(import.meta.url)('axios');

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

const requests = [];
axios.defaults.adapter = async (config) => {
  const headers = axios.AxiosHeaders.from(config.headers);
  requests.push({
    method: config.method.toUpperCase(),
    url: axios.getUri(config),
    authorization: headers.get('Authorization') ?? (config.auth ? 'Basic ' + Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64') : null),
  });
  const data = config.method === 'delete' ? '' : JSON.stringify({ api_id: 'x', recording_id: input.recordingId });
  return { data, status: config.method === 'delete' ? 204 : 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, config, request: {} };
};

const client = new plivo.Client(input.authId, input.authToken);
await client.recordings.get(input.recordingId);
await client.recordings.delete(input.recordingId);
// With "record" (a <Record>'s attributes), also the document the SDK's XML builder makes of them: it refuses any
// attribute Plivo's <Record> does not have.
let xml = null;
if (input.record) {
  const response = new plivo.Response();
  response.addRecord(input.record);
  xml = response.toXML();
}

process.stdout.write(JSON.stringify({ requests, xml }));
