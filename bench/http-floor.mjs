// The floor for the HTTP collector bench: a minimal node:http server that only
// counts the lines of each POST body and answers 200. Prints its port.
import { createServer } from 'node:http';

let lines = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  });
  req.on('end', () => res.end('{"ok":true}'));
});
server.listen(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port}`));
process.on('SIGINT', () => {
  console.error(`lines ${lines}`);
  process.exit(0);
});
