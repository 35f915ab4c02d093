// Preloaded with `node -r` by the conformance runner: node:net's socket and server entry points
// become the drop-in's, so Node's own tests exercise mio-ts through `require('net')`.
'use strict';
const net = require('node:net');
const dropIn = require('mio-ts/net');

for (const name of ['createServer', 'Server', 'connect', 'createConnection', 'Socket', 'Stream']) {
  net[name] = dropIn[name];
}
