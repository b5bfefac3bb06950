// The Kinesis Agent's parts on their own, without an engine: the application's log files, the
// tailer's window of lines, and the publisher's buffers and backoff, each fed `now` by the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "models/producer/agent/log_files.h"
#include "models/producer/agent/publisher.h"
#include "models/producer/agent/records.h"
#include "models/producer/agent/tailer.h"
#include "models/producer/pool.h"

namespace kinesim::models::agent {
namespace {

using sim::Duration;
using sim::Time;

Time at_s(int64_t s) { return Time::zero() + Duration::seconds(s); }

// ---- LogFiles --------------------------------------------------------------------------------

TEST(AgentLogFiles, RotatesEveryIntervalAndDeletesFilesBeyondThoseTracked) {
  LogFiles files(Duration::seconds(10), 1);
  EXPECT_EQ(files.next_rotation(), at_s(10));
  files.write(at_s(1), 100);
  files.write(at_s(2), 100);
  EXPECT_FALSE(files.rotate());  // one rotated file kept
  EXPECT_EQ(files.next_rotation(), at_s(20));
  files.write(at_s(15), 100);
  EXPECT_TRUE(files.rotate());  // the first file is deleted with its two lines
  EXPECT_EQ(files.first_line(), 2u);
  EXPECT_EQ(files.written(), 3u);
  ASSERT_EQ(files.files().size(), 2u);
  EXPECT_EQ(files.files().front().bytes, 100u);
  EXPECT_EQ(files.files().back().lines, 0u);
}

TEST(AgentLogFiles, NeverRotatesWithAnIntervalOfForever) {
  const LogFiles files(Duration::max(), 5);
  EXPECT_EQ(files.next_rotation(), kNever);
}

TEST(AgentLogFiles, InterpolatesAWrittenLinesTimeWithinItsFile) {
  LogFiles files(Duration::seconds(100), 3);
  for (int64_t s = 0; s <= 40; s += 4) files.write(at_s(10) + Duration::seconds(s) / 4, 10);
  // Eleven lines between 10 s and 20 s: only the ends are kept, the rest is interpolated.
  EXPECT_EQ(files.written_at(0), at_s(10));
  EXPECT_EQ(files.written_at(5), at_s(15));
  EXPECT_EQ(files.written_at(10), at_s(20));
  files.rotate();
  files.write(at_s(150), 10);
  EXPECT_EQ(files.written_at(11), at_s(150));  // alone in the new file
}

// ---- Tailer ----------------------------------------------------------------------------------

// A tailer that read `n` lines, had the stream accept them all and is done with them.
Tailer read_and_acknowledge(uint64_t n) {
  Tailer t;
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_FALSE(t.read());
    EXPECT_TRUE(t.accept(i));
    t.done(i);
  }
  t.advance_acked();
  return t;
}

TEST(AgentTailer, AdvancesItsAcknowledgementOnlyOverLinesDoneInOrder) {
  Tailer t;
  for (int i = 0; i < 3; ++i) t.read();
  t.done(1);
  t.advance_acked();
  EXPECT_EQ(t.acked(), 0u);  // line 0 is still out
  t.done(0);
  t.advance_acked();
  EXPECT_EQ(t.acked(), 2u);
}

TEST(AgentTailer, CountsAnAcceptedLineOnceAndLaterAcceptancesAsDuplicates) {
  Tailer t;
  t.read();
  EXPECT_TRUE(t.accept(0));
  EXPECT_FALSE(t.accept(0));
}

TEST(AgentTailer, ResumesFromTheSavedCheckpointAfterAStopAndReadsAgain) {
  Tailer t = read_and_acknowledge(5);
  t.save_checkpoint();  // at 5
  for (uint64_t i = 5; i < 8; ++i) {
    t.read();
    t.accept(i);
    t.done(i);
  }
  t.advance_acked();
  EXPECT_EQ(t.acked(), 8u);
  t.resume_from_checkpoint(8);
  EXPECT_EQ(t.read_pos(), 5u);
  EXPECT_EQ(t.acked(), 5u);
  EXPECT_TRUE(t.read());         // line 5 again
  EXPECT_FALSE(t.accept(5));     // the stream has it already: a duplicate
  EXPECT_EQ(t.pending(8), 0u);   // all eight were accepted once
  EXPECT_EQ(t.pending(10), 2u);  // two more written, not read
}

TEST(AgentTailer, ForgetsLinesReadAheadOfTheWriterWhenTheProcessStops) {
  Tailer t;
  for (int i = 0; i < 4; ++i) t.read();  // lines 2 and 3 taken ahead of their writing
  t.resume_from_checkpoint(2);
  EXPECT_EQ(t.window_end(), 2u);
  EXPECT_EQ(t.read_pos(), 0u);
  EXPECT_EQ(t.pending(2), 2u);
}

TEST(AgentTailer, CountsLinesDeletedBeforeTheyWereReadAsLost) {
  Tailer t = read_and_acknowledge(2);
  t.read();                      // line 2, in a buffer not yet acknowledged
  EXPECT_EQ(t.skip_to(10), 7u);  // lines 3 ... 9 deleted unread
  EXPECT_EQ(t.read_pos(), 10u);
  EXPECT_EQ(t.acked(), 2u);      // line 2 is still out
  EXPECT_EQ(t.pending(12), 3u);  // line 2, and lines 10 and 11 not read yet
  t.done(2);
  t.advance_acked();
  EXPECT_EQ(t.acked(), 10u);    // the deleted lines are done
  EXPECT_EQ(t.skip_to(5), 0u);  // already past it
}

TEST(AgentTailer, LosesLinesAnEarlierRunReadButTheStreamNeverAccepted) {
  Tailer t;
  for (int i = 0; i < 5; ++i) t.read();
  t.accept(0);
  t.resume_from_checkpoint(5);  // stopped before any checkpoint
  EXPECT_EQ(t.skip_to(3), 2u);  // lines 1 and 2 deleted before this run read them
  EXPECT_EQ(t.pending(5), 2u);  // lines 3 and 4 can still be read
}

TEST(AgentTailer, RestartsItsWindowPastDeletedLinesWhenNothingIsOutstanding) {
  Tailer t = read_and_acknowledge(6);
  t.save_checkpoint();
  EXPECT_EQ(t.base(), 6u);  // the window forgot the checkpointed lines
  EXPECT_EQ(t.skip_to(8), 2u);
  EXPECT_EQ(t.base(), 8u);
  EXPECT_EQ(t.acked(), 8u);
  EXPECT_EQ(t.pending(8), 0u);
}

TEST(AgentTailer, RejectsATooLargeLineOnceEvenWhenReadAgain) {
  Tailer t;
  t.read();
  EXPECT_TRUE(t.reject(0));
  t.advance_acked();
  EXPECT_EQ(t.acked(), 1u);
  t.resume_from_checkpoint(1);
  t.read();
  EXPECT_FALSE(t.reject(0));
  EXPECT_EQ(t.pending(1), 0u);
}

// ---- Publisher -------------------------------------------------------------------------------

TailedRecord record(uint64_t line, uint32_t data_bytes) {
  TailedRecord r;
  r.line = line;
  r.data_bytes = data_bytes;
  r.pk_bytes = 18;
  return r;
}

TEST(AgentPublisher, ClosesABufferAtMaxBufferSizeRecords) {
  AgentFlowSettings s;
  s.max_buffer_size_records = 3;
  Pool<RecordBuffer> pool;
  Publisher p(s, pool);
  p.open(at_s(1));
  EXPECT_EQ(p.filling()->deadline, at_s(61));  // maxBufferAgeMillis 60 s
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_FALSE(p.full());
    p.add(record(i, 100), false);
  }
  EXPECT_TRUE(p.full());
  RecordBuffer* b = p.close();
  EXPECT_EQ(b->records.size(), 3u);
  EXPECT_EQ(b->bytes, 3u * 118u);
  EXPECT_EQ(p.filling(), nullptr);
}

TEST(AgentPublisher, StartsANewBufferWhenTheNextLineWouldPassMaxBufferSizeBytes) {
  AgentFlowSettings s;
  s.max_buffer_size_bytes = 300;
  Pool<RecordBuffer> pool;
  Publisher p(s, pool);
  p.open(at_s(0));
  EXPECT_TRUE(p.fits(record(0, 1'000), false));  // the first always fits
  p.add(record(0, 100), false);
  p.add(record(1, 100), false);
  EXPECT_FALSE(p.fits(record(2, 100), false));
  EXPECT_TRUE(p.fits(record(2, 100), true));  // too large to send: dropped at the close anyway
}

TEST(AgentPublisher, StopsTheTailerAtPublishQueueCapacityBuffers) {
  const AgentFlowSettings s;
  Pool<RecordBuffer> pool;
  Publisher p(s, pool);
  for (uint32_t i = 0; i < kPublishQueueCapacity; ++i) {
    EXPECT_FALSE(p.blocks_tailer());
    p.open(at_s(0));
    p.add(record(i, 10), false);
    p.enqueue(p.close());
  }
  EXPECT_TRUE(p.blocks_tailer());
  RecordBuffer* b = p.send_next();
  p.replied(b);
  p.release(b);
  EXPECT_FALSE(p.blocks_tailer());
}

TEST(AgentPublisher, DropsAnEmptyBufferInsteadOfQueueingIt) {
  const AgentFlowSettings s;
  Pool<RecordBuffer> pool;
  Publisher p(s, pool);
  p.open(at_s(0));
  p.enqueue(p.close());
  EXPECT_EQ(p.queued(), 0u);
  EXPECT_FALSE(p.can_send(at_s(0)));
}

TEST(AgentPublisher, BacksOffExponentiallyUpToTheMaxWithinTheJitter) {
  const AgentFlowSettings s;  // 100 ms ... 10 s, x2, +/- 30 %
  Pool<RecordBuffer> pool;
  const Publisher p(s, pool);
  EXPECT_EQ(p.backoff(1, 0.5), Duration::millis(100));
  EXPECT_EQ(p.backoff(2, 0.5), Duration::millis(200));
  EXPECT_EQ(p.backoff(4, 0.5), Duration::millis(800));
  EXPECT_EQ(p.backoff(20, 0.5), Duration::seconds(10));
  EXPECT_EQ(p.backoff(1, 0.0), Duration::millis(70));
  EXPECT_EQ(p.backoff(20, 1.0), Duration::seconds(13));
}

TEST(AgentPublisher, SendsFailedRecordsFirstOnceItsBackoffEnds) {
  const AgentFlowSettings s;
  Pool<RecordBuffer> pool;
  Publisher p(s, pool);
  p.open(at_s(0));
  p.add(record(0, 10), false);
  p.enqueue(p.close());
  p.open(at_s(0));
  p.add(record(1, 10), false);
  p.enqueue(p.close());
  RecordBuffer* first = p.send_next();
  p.replied(first);
  RecordBuffer* retry = p.acquire();
  retry->records.push_back(first->records.front());
  p.requeue(retry, first->attempt, at_s(5));
  p.release(first);
  EXPECT_FALSE(p.can_send(at_s(4)));
  ASSERT_TRUE(p.can_send(at_s(5)));
  RecordBuffer* next = p.send_next();
  EXPECT_EQ(next, retry);
  EXPECT_EQ(next->attempt, 2u);
  EXPECT_EQ(next->records.front().line, 0u);
  EXPECT_EQ(p.in_flight().size(), 1u);
  EXPECT_EQ(p.queued(), 2u);
}

}  // namespace
}  // namespace kinesim::models::agent
