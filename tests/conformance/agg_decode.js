// De-aggregates Kinesis records with aws-kinesis-agg's deaggregateSync(), checksums verified.
// stdin:  {"records": [{"data": base64, "partitionKey": str, "explicitHashKey"?: str}]}
// stdout: {"results": [{"records": [{"partitionKey", "explicitHashKey", "subSequenceNumber",
//                                     "data": base64}]} | {"error": str}]}
'use strict'
const agg = require('aws-kinesis-agg')

const input = JSON.parse(require('fs').readFileSync(0, 'utf8'))
const results = input.records.map((r) => {
  let result = null
  agg.deaggregateSync(
    {data: r.data, partitionKey: r.partitionKey, explicitPartitionKey: r.explicitHashKey,
     sequenceNumber: '1'},
    true,
    (err, userRecords) => {
      if (result !== null) return  // an earlier error already decided
      if (err) {
        result = {error: String(err.message || err)}
        return
      }
      result = {
        records: userRecords.map((u) => ({
          partitionKey: u.partitionKey,
          explicitHashKey: u.explicitPartitionKey === undefined ? null : u.explicitPartitionKey,
          subSequenceNumber: u.subSequenceNumber === undefined ? null : u.subSequenceNumber,
          data: u.data,
        })),
      }
    },
  )
  return result
})
process.stdout.write(JSON.stringify({results}) + '\n')
