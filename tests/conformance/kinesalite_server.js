// Starts kinesalite (in-memory, no artificial delays) on 127.0.0.1 and an OS-chosen free port,
// then prints {"port": N} on one line. cli.js listens on every interface and takes a fixed port;
// this launcher avoids both. Stops on SIGTERM or when stdin closes (the test run ended).
'use strict'
const kinesalite = require('kinesalite')

const server = kinesalite({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 20000})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({port: server.address().port}) + '\n')
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.stdin.on('end', stop)
process.stdin.resume()
