// The yardstick of the load run: the relay a team would write from Twilio's Node.js quickstart for the Realtime API
// ("speech-assistant-openai-realtime-api-node"): the `ws` package, JSON.parse of every message, one `media` and one
// `mark` to Twilio per audio delta, `clear` and a truncate on barge-in. No validation, no records, no metrics.
//
//   node relay.js --port <port> --upstream ws://127.0.0.1:<echo port>/v1/realtime
//
// One deliberate difference: caller audio that arrives before the model socket is open is queued, not dropped, so
// that both relays lose nothing and the comparison is about cost, not loss.
'use strict';

const http = require('node:http');
const { WebSocket, WebSocketServer } = require('ws');

function option(name) {
  const index = process.argv.indexOf(name);
  if (index < 0 || index + 1 >= process.argv.length) {
    throw new Error(`${name} is required`);
  }
  return process.argv[index + 1];
}

const port = Number(option('--port'));
const upstream = option('--upstream');

const SESSION_UPDATE = JSON.stringify({
  type: 'session.update',
  session: {
    type: 'realtime',
    model: 'gpt-realtime',
    output_modalities: ['audio'],
    audio: {
      input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'server_vad' } },
      output: { format: { type: 'audio/pcmu' }, voice: 'alloy' },
    },
    instructions: 'You are a helpful assistant.',
  },
});

const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
    return;
  }
  response.writeHead(404);
  response.end();
});

const wss = new WebSocketServer({ noServer: true });

server.on('upgrade', (request, socket, head) => {
  if (!request.url || !request.url.startsWith('/api/twilio/media-stream')) {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(request, socket, head, (connection) => relay(connection));
});

function relay(twilio) {
  let streamSid = null;
  let latestMediaTimestamp = 0;
  let lastAssistantItem = null;
  let responseStartTimestamp = null;
  const markQueue = [];
  const pending = [];

  const openAi = new WebSocket(upstream, { headers: { Authorization: 'Bearer node-relay' } });

  openAi.on('open', () => {
    openAi.send(SESSION_UPDATE);
    for (const message of pending) {
      openAi.send(message);
    }
    pending.length = 0;
  });

  openAi.on('message', (data) => {
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (event.type === 'response.output_audio.delta' && event.delta) {
      twilio.send(JSON.stringify({ event: 'media', streamSid, media: { payload: event.delta } }));
      if (responseStartTimestamp === null) {
        responseStartTimestamp = latestMediaTimestamp;
      }
      if (event.item_id) {
        lastAssistantItem = event.item_id;
      }
      twilio.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: 'responsePart' } }));
      markQueue.push('responsePart');
    } else if (event.type === 'input_audio_buffer.speech_started' && markQueue.length > 0 && responseStartTimestamp !== null) {
      // Barge-in: cut the assistant's item where the caller stopped hearing it, and drop Twilio's queue.
      const elapsed = latestMediaTimestamp - responseStartTimestamp;
      if (lastAssistantItem) {
        openAi.send(JSON.stringify({ type: 'conversation.item.truncate', item_id: lastAssistantItem, content_index: 0, audio_end_ms: elapsed }));
      }
      twilio.send(JSON.stringify({ event: 'clear', streamSid }));
      markQueue.length = 0;
      lastAssistantItem = null;
      responseStartTimestamp = null;
    }
  });

  openAi.on('error', () => twilio.close());
  openAi.on('close', () => {
    if (twilio.readyState === WebSocket.OPEN) {
      twilio.close();
    }
  });

  twilio.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    switch (message.event) {
      case 'start':
        streamSid = message.start.streamSid;
        responseStartTimestamp = null;
        latestMediaTimestamp = 0;
        break;
      case 'media': {
        latestMediaTimestamp = Number(message.media.timestamp) || latestMediaTimestamp;
        const append = JSON.stringify({ type: 'input_audio_buffer.append', audio: message.media.payload });
        if (openAi.readyState === WebSocket.OPEN) {
          openAi.send(append);
        } else {
          pending.push(append);
        }
        break;
      }
      case 'mark':
        markQueue.shift();
        break;
      case 'stop':
        openAi.close();
        twilio.close();
        break;
      default:
        break;
    }
  });

  twilio.on('close', () => {
    if (openAi.readyState === WebSocket.OPEN || openAi.readyState === WebSocket.CONNECTING) {
      openAi.terminate();
    }
  });
  twilio.on('error', () => openAi.terminate());
}

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
