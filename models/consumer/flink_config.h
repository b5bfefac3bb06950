// Apache Flink reading the stream (SPEC §8), through one of its two Kinesis sources, with the
// connector's own configuration keys (flink-connector-aws):
// - FlinkKinesisConsumer (legacy): each shard's ShardConsumer calls GetRecords every
//   flink.shard.getrecords.intervalmillis (200 ms: alone it takes all 5 calls/s of a shard) for
//   up to flink.shard.getrecords.maxrecordcount records (10,000); starts at flink.stream.initpos.
// - KinesisStreamsSource (the default here): after a fetch with records the next one waits
//   source.shard.get-records.interval (0: at once), after an empty one
//   source.shard.get-records.idle-source-interval (250 ms); up to
//   source.shard.get-records.max-record-count records (10,000); starts at source.init.position.
// Both de-aggregate KPL records (the KCL's de-aggregator), so their counts are user records.
// Either reads by polling or, with the EFO record publisher / reader type, by enhanced fan-out.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "models/consumer/reader_config.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

struct FlinkConfig {
  enum class Source : uint8_t { kFlinkKinesisConsumer, kKinesisStreamsSource };
  // The names a scenario uses, in Source order.
  static constexpr std::array<std::string_view, 2> kSourceNames = {"FlinkKinesisConsumer",
                                                                   "KinesisStreamsSource"};

  Source source = Source::kKinesisStreamsSource;
  InitialPosition initial_position = InitialPosition::kLatest;  // both sources: LATEST
  sim::Time timestamp;                                          // AT_TIMESTAMP
  uint32_t max_record_count = 10'000;                           // GetRecords' Limit, both sources
  // flink.stream.recordpublisher / source.reader.type: POLLING (default) or EFO.
  Retrieval retrieval = Retrieval::kPolling;
  // Legacy: flink.shard.getrecords.intervalmillis (DEFAULT_SHARD_GETRECORDS_INTERVAL_MILLIS).
  sim::Duration getrecords_interval = sim::Duration::millis(200);
  // KinesisStreamsSource: source.shard.get-records.interval (after records) and
  // source.shard.get-records.idle-source-interval (after an empty fetch).
  sim::Duration get_records_interval;
  sim::Duration idle_source_interval = sim::Duration::millis(250);
  // Time the job's operators take per record (one draw per batch, multiplied); zero by default.
  sim::Distribution processing_per_record;

  // How its readers poll: a fixed rate (legacy) or paced by the last reply (the new source).
  ReaderConfig reader() const {
    ReaderConfig r;
    r.retrieval = retrieval;
    r.initial_position = initial_position;
    r.timestamp = timestamp;
    r.limit = max_record_count;
    if (source == Source::kFlinkKinesisConsumer) {
      r.poll_interval = getrecords_interval;
    } else {
      // The idle interval is the rate it polls at when it keeps up; the start phase and the
      // backoff after a throttled call follow it.
      r.poll_interval = idle_source_interval;
      r.paced_by_reply = true;
      r.after_records_wait = get_records_interval;
      r.after_empty_wait = idle_source_interval;
    }
    return r;
  }
};

}  // namespace kinesim::models
