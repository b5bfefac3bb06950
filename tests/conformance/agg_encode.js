// Aggregates user records with aws-kinesis-agg's aggregate() API.
// stdin:  {"records": [{"partitionKey": str, "explicitHashKey"?: str, "data": base64}]}
// stdout: {"records": [{"partitionKey": str, "explicitHashKey": str|null, "data": base64}]}
'use strict'
const agg = require('aws-kinesis-agg')

const input = JSON.parse(require('fs').readFileSync(0, 'utf8'))
const records = input.records.map((r) => {
  const record = {partitionKey: r.partitionKey, data: Buffer.from(r.data, 'base64')}
  if (r.explicitHashKey !== undefined && r.explicitHashKey !== null) {
    record.explicitHashKey = r.explicitHashKey
  }
  return record
})
const out = []
const errors = []
agg.aggregate(
  records,
  (encoded, done) => {
    out.push({
      partitionKey: encoded.partitionKey,
      explicitHashKey: encoded.ExplicitHashKey === undefined ? null : encoded.ExplicitHashKey,
      data: encoded.data.toString('base64'),
    })
    done()
  },
  () => {
    if (errors.length) {
      process.stderr.write(errors.join('\n') + '\n')
      process.exit(1)
    }
    process.stdout.write(JSON.stringify({records: out}) + '\n')
  },
  (err) => errors.push(String(err && err.message || err)),
)
