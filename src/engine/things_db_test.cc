// ThingsDB across tiers: flush moves exactly the rows older than the cutoff; Get, Delete,
// Update and Relate see both tiers; no flush fires a cascade.
#include "engine/things_db.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>

#include "cold/file_cache.h"
#include "engine/testing/engine_fixture.h"

namespace thingsdb::engine {
namespace {

using testing::EngineTest;

constexpr int64_t kT0 = 1'700'000'000'000;

class ThingsDBTest : public EngineTest {
 protected:
  // Things a0..a9 at kT0 (old), b0..b4 at kT0 + 1 h (young); a0→a1, a2→a3 at kT0.
  void Seed() {
    Open();
    now_ms_ = kT0;
    for (int i = 0; i < 10; ++i) {
      before_["a" + std::to_string(i)] =
          hot::ThingJson(Put("a" + std::to_string(i), fmt::format("{{\"n\":{}}}", i)));
    }
    old_rels_.push_back(Relate("a0", "a1"));
    old_rels_.push_back(Relate("a2", "a3"));
    now_ms_ = kT0 + 3'600'000;
    for (int i = 0; i < 5; ++i) {
      before_["b" + std::to_string(i)] =
          hot::ThingJson(Put("b" + std::to_string(i), fmt::format("{{\"m\":{}}}", i), "u"));
    }
  }

  std::map<std::string, std::string> before_;  // id → JSON before any flush
  std::vector<hot::Relationship> old_rels_;
};

TEST_F(ThingsDBTest, FlushMovesExactlyTheRowsOlderThanTheCutoff) {
  Seed();
  FlushReport report = MustFlush(Cutoff(kT0 + 1000));
  EXPECT_EQ(report.things, 10);
  EXPECT_EQ(report.relationships, 2);
  EXPECT_GT(report.files, 0);
  EXPECT_GT(report.bytes, 0);
  EXPECT_EQ(HotCount("things"), 5);
  EXPECT_EQ(HotCount("relationships"), 0);
  auto cold = ColdThings();
  ASSERT_EQ(cold.size(), 10u);
  for (const auto& [id, thing] : cold) EXPECT_EQ(id[0], 'a');
  EXPECT_EQ(ColdRelationships().size(), 2u);
  EXPECT_EQ(IntegrityCheck(), "ok");

  auto snapshots = db_->Snapshots();
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), 1u);
  EXPECT_EQ((*snapshots)[0].flush_id, report.flush_id);
  EXPECT_EQ((*snapshots)[0].things_snapshot_id, db_->things_table().metadata().current_snapshot_id);
  EXPECT_EQ((*snapshots)[0].relationships_snapshot_id,
            db_->relationships_table().metadata().current_snapshot_id);
  EXPECT_EQ((*snapshots)[0].flushed_rows, 12);

  // Nothing left below the cutoff: an empty flush commits nothing.
  FlushReport again = MustFlush(Cutoff(kT0 + 1000));
  EXPECT_TRUE(again.flush_id.empty());
}

TEST_F(ThingsDBTest, GetFindsHotAndColdRowsWithIdenticalJson) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  for (const auto& [id, json] : before_) {
    auto thing = db_->Get(id);
    ASSERT_TRUE(thing.ok()) << id << ": " << thing.status().ToString();
    EXPECT_EQ(hot::ThingJson(*thing), json);
  }
  EXPECT_EQ(db_->Get("nope").status().code(), StatusCode::kNotFound);
  // The same after reopening (the index cache and tables come from disk / the store).
  Open();
  for (const auto& [id, json] : before_) {
    auto thing = db_->Get(id);
    ASSERT_TRUE(thing.ok()) << id << ": " << thing.status().ToString();
    EXPECT_EQ(hot::ThingJson(*thing), json);
  }
}

TEST_F(ThingsDBTest, EmbeddingsSurviveTheFlush) {
  Open();
  now_ms_ = kT0;
  auto put = db_->Put({"e1", "t", "{\"x\":1}", std::vector<float>{0.5f, -1.25f, 3.0f}});
  ASSERT_TRUE(put.ok());
  std::string json = hot::ThingJson(*put);
  MustFlush(All());
  EXPECT_EQ(HotCount("things"), 0);
  auto thing = db_->Get("e1");
  ASSERT_TRUE(thing.ok()) << thing.status().ToString();
  EXPECT_EQ(hot::ThingJson(*thing), json);
}

TEST_F(ThingsDBTest, RowUpdatedDuringTheFlushStaysHot) {
  Seed();
  bool fired = false;
  Open([&](std::string_view point) {
    if (point == "before_iceberg_commit" && !fired) {
      fired = true;
      now_ms_ += 10;
      auto updated = db_->hot().Update("a4", "{\"n\":\"new\"}", false);
      EXPECT_TRUE(updated.ok()) << updated.status().ToString();
    }
    return Status::OK();
  });
  FlushReport report = MustFlush(Cutoff(kT0 + 1000));
  EXPECT_EQ(report.things, 10);
  EXPECT_TRUE(fired);
  EXPECT_EQ(HotCount("things"), 6);  // b0..b4 and the updated a4
  auto a4 = db_->Get("a4");
  ASSERT_TRUE(a4.ok());
  EXPECT_EQ(a4->data, "{\"n\":\"new\"}");
  EXPECT_EQ(ColdThings().at("a4").data, "{\"n\":4}");  // shadowed by the hot row

  // The next flush replaces the cold version: one version of a4, the new one.
  MustFlush(All());
  EXPECT_EQ(HotCount("things"), 0);
  auto cold = ColdThings();
  EXPECT_EQ(cold.size(), 15u);
  EXPECT_EQ(cold.at("a4").data, "{\"n\":\"new\"}");
  EXPECT_EQ(db_->Get("a4")->data, "{\"n\":\"new\"}");
}

TEST_F(ThingsDBTest, RowDeletedDuringTheFlushStaysDeleted) {
  Seed();
  Open([&](std::string_view point) {
    if (point == "before_iceberg_commit" && db_->hot().Get("a7").ok()) {
      EXPECT_TRUE(db_->hot().Delete("a7").ok());  // the hot cascade takes nothing cold
    }
    return Status::OK();
  });
  MustFlush(Cutoff(kT0 + 1000));
  EXPECT_EQ(ColdThings().count("a7"), 1u);  // written, but tombstoned
  EXPECT_EQ(db_->Get("a7").status().code(), StatusCode::kNotFound);
  MustFlush(All());
  EXPECT_EQ(ColdThings().count("a7"), 0u);
  EXPECT_EQ(ColdThings().size(), 14u);
  EXPECT_EQ(db_->Get("a7").status().code(), StatusCode::kNotFound);
}

// A hot delete at `point` of a flush — "rows_read": after its read snapshot, before the
// row's key is journaled; "before_iceberg_commit"; "published": the flush is visible but its
// hot rows not yet deleted — leaves the thing and, through the hot tier's cascade, its
// relationship deleted in every read, and the next flush removes their cold copies.
class DeleteDuringFlushTest : public ThingsDBTest,
                              public ::testing::WithParamInterface<const char*> {};

TEST_P(DeleteDuringFlushTest, RowStaysDeletedInEveryRead) {
  std::string_view point = GetParam();
  Seed();
  Open([&](std::string_view at) {
    if (at == point && db_->hot().Get("a2").ok()) {
      EXPECT_TRUE(db_->hot().Delete("a2").ok());  // cascades to a2 -> a3
    }
    return Status::OK();
  });
  MustFlush(Cutoff(kT0 + 1000));
  EXPECT_EQ(db_->Get("a2").status().code(), StatusCode::kNotFound);
  auto counts = db_->Query("SELECT (SELECT count(*) FROM things WHERE id = 'a2'), "
                           "(SELECT count(*) FROM relationships WHERE from_id = 'a2'), "
                           "(SELECT count(*) FROM things), (SELECT count(*) FROM relationships)",
                           {});
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(std::get<int64_t>(counts->rows[0][0]), 0);
  EXPECT_EQ(std::get<int64_t>(counts->rows[0][1]), 0);
  EXPECT_EQ(std::get<int64_t>(counts->rows[0][2]), 14);
  EXPECT_EQ(std::get<int64_t>(counts->rows[0][3]), 1);
  auto related = db_->Related("a3", hot::RelatedOptions{std::nullopt, hot::Direction::kBoth});
  ASSERT_TRUE(related.ok()) << related.status().ToString();
  EXPECT_TRUE(related->empty());
  MustFlush(All());
  EXPECT_EQ(ColdThings().count("a2"), 0u);
  EXPECT_EQ(ColdThings().size(), 14u);
  EXPECT_EQ(ColdRelationships().size(), 1u);
  EXPECT_EQ(db_->Get("a2").status().code(), StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Points, DeleteDuringFlushTest,
                         ::testing::Values("rows_read", "before_iceberg_commit", "published"));

// A flush holds the engine mutex only to publish and for each batch of deletes: while it
// writes files and commits to Iceberg, the engine's own writes (Delete, Relate, Update)
// and reads go on, and their effects survive the flush.
TEST_F(ThingsDBTest, EngineWritesProceedWhileAFlushWritesItsFiles) {
  Seed();
  MustFlush(Cutoff(kT0 - 1));  // nothing old enough: no-op
  bool fired = false;
  Open([&](std::string_view point) {
    if (point != "before_iceberg_commit" || fired) return Status::OK();
    fired = true;
    auto work = std::async(std::launch::async, [&] {
      EXPECT_TRUE(db_->Delete("a5").ok());
      EXPECT_TRUE(db_->Relate({"b0", "knows", "a6", std::nullopt}).ok());
      EXPECT_TRUE(db_->Update("a7", "{\"n\":\"seven\"}", false).ok());
      EXPECT_EQ(db_->Get("a8")->data, "{\"n\":8}");
    });
    if (work.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      std::fprintf(stderr, "engine calls blocked by the flush\n");
      std::_Exit(1);
    }
    return Status::OK();
  });
  MustFlush(Cutoff(kT0 + 1000));
  ASSERT_TRUE(fired);
  EXPECT_EQ(db_->Get("a5").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->Get("a7")->data, "{\"n\":\"seven\"}");
  auto related = db_->Related("b0", hot::RelatedOptions{std::string("knows")});
  ASSERT_TRUE(related.ok()) << related.status().ToString();
  ASSERT_EQ(related->size(), 1u);
  EXPECT_EQ((*related)[0].thing.id, "a6");
  MustFlush(All());
  auto cold = ColdThings();
  EXPECT_EQ(cold.count("a5"), 0u);
  EXPECT_EQ(cold.at("a7").data, "{\"n\":\"seven\"}");
  EXPECT_EQ(cold.size(), 14u);
  EXPECT_EQ(IntegrityCheck(), "ok");
}

TEST_F(ThingsDBTest, PutOfAColdIdIsAConflict) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  auto again = db_->Put({"a2", "t", "{\"again\":true}", std::nullopt});
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_EQ(again.status().message(), "thing 'a2' already exists");
  EXPECT_EQ(db_->Get("a2")->data, "{\"n\":2}");  // the cold row is untouched
  EXPECT_TRUE(db_->Put({"a2-new", "t", "{}", std::nullopt}).ok());
  // Deleted, the id is free again.
  ASSERT_TRUE(db_->Delete("a2").ok());
  EXPECT_TRUE(db_->Put({"a2", "t", "{\"again\":true}", std::nullopt}).ok());
  MustFlush(All());
  auto cold = ColdThings();  // fails on a duplicate id
  EXPECT_EQ(cold.at("a2").data, "{\"again\":true}");
}

// A batch (import) writes to the hot tier without the cross-tier check: a reused cold id
// then replaces the cold row at the next flush, never duplicates it.
TEST_F(ThingsDBTest, BatchReusingAColdIdReplacesTheColdRowAtTheNextFlush) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  ASSERT_TRUE(db_->hot().Put({"a2", "t", "{\"again\":true}", std::nullopt}).ok());
  EXPECT_EQ(db_->Get("a2")->data, "{\"again\":true}");
  MustFlush(All());
  auto cold = ColdThings();  // fails on a duplicate id
  EXPECT_EQ(cold.size(), 15u);
  EXPECT_EQ(cold.at("a2").data, "{\"again\":true}");
}

// The engine's WriteBatch refuses an id live in the cold tier, naming the item, and writes
// nothing; ids that are free (or only tombstoned) go through.
TEST_F(ThingsDBTest, EngineBatchNamingAColdIdIsAConflict) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  ASSERT_TRUE(db_->Delete("a3").ok());
  std::vector<hot::BatchItem> batch = {
      {hot::NewThing{"n1", "t", "{}", std::nullopt}},
      {hot::NewThing{"a3", "t", "{\"back\":true}", std::nullopt}},  // tombstoned: free again
      {hot::NewRelationship{"n1", "knows", "b0", std::nullopt}},
      {hot::NewThing{"a2", "t", "{}", std::nullopt}}};              // cold and live
  auto refused = db_->WriteBatch(batch);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kConflict);
  EXPECT_NE(refused.status().message().find("item 3: thing 'a2' already exists"),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(db_->Get("n1").status().code(), StatusCode::kNotFound);
  batch.pop_back();
  auto written = db_->WriteBatch(batch);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->size(), 3u);
  EXPECT_EQ(db_->Get("a3")->data, "{\"back\":true}");
  EXPECT_EQ(db_->Get("a2")->data, "{\"n\":2}");  // the cold row, untouched
  MustFlush(All());
  auto cold = ColdThings();  // fails on a duplicate id
  EXPECT_EQ(cold.at("a3").data, "{\"back\":true}");
  EXPECT_EQ(cold.count("n1"), 1u);
}

// A batch may relate cold things (to each other, to hot ones, to things it creates), as
// Relate does; a relationship that duplicates a cold one is a Conflict naming the item, one
// to a missing thing is NotFound naming it, and either way nothing is written. The hot
// tier's foreign keys are back on afterwards (a hot delete still cascades).
TEST_F(ThingsDBTest, EngineBatchRelatesColdThings) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));  // a0..a9 and a0->a1, a2->a3 cold; b0..b4 hot
  std::vector<hot::BatchItem> batch = {
      {hot::NewThing{"n1", "t", "{}", std::nullopt}},
      {hot::NewRelationship{"n1", "knows", "a4", std::nullopt}},  // new -> cold
      {hot::NewRelationship{"a5", "knows", "a6", std::nullopt}},  // cold -> cold
      {hot::NewRelationship{"b0", "knows", "a7", std::nullopt}},  // hot -> cold
      {hot::NewRelationship{"a2", "knows", "a3", std::nullopt}}};  // a cold duplicate
  auto duplicate = db_->WriteBatch(batch);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().code(), StatusCode::kConflict) << duplicate.status().ToString();
  EXPECT_NE(duplicate.status().message().find("item 4: relationship 'a2' -[knows]-> 'a3'"),
            std::string::npos)
      << duplicate.status().ToString();
  EXPECT_EQ(db_->Get("n1").status().code(), StatusCode::kNotFound);
  batch.back() = {hot::NewRelationship{"a8", "knows", "gone", std::nullopt}};
  auto missing = db_->WriteBatch(batch);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("item 4"), std::string::npos)
      << missing.status().ToString();
  EXPECT_EQ(db_->Get("n1").status().code(), StatusCode::kNotFound);
  batch.pop_back();
  auto written = db_->WriteBatch(batch);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->size(), 4u);
  auto ends = [&](const std::string& id) {
    std::vector<std::string> out;
    auto related = db_->Related(id, hot::RelatedOptions{std::string("knows")});
    EXPECT_TRUE(related.ok()) << related.status().ToString();
    if (related.ok()) {
      for (const auto& r : *related) out.push_back(r.thing.id);
    }
    return out;
  };
  EXPECT_EQ(ends("n1"), std::vector<std::string>{"a4"});
  EXPECT_EQ(ends("a5"), std::vector<std::string>{"a6"});
  EXPECT_EQ(ends("b0"), std::vector<std::string>{"a7"});
  // Foreign keys are on again on the hot writer: deleting a hot thing through the hot tier
  // cascades to its hot relationships.
  ASSERT_TRUE(db_->hot().Relate({"b1", "knows", "b2", std::nullopt}).ok());
  ASSERT_TRUE(db_->hot().Delete("b2").ok());
  auto left = db_->engine_db().QueryInt("SELECT count(*) FROM relationships WHERE to_id = 'b2'");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 0);
  // The relationships to cold things survive the next flush, once, in the cold tier.
  MustFlush(All());
  EXPECT_EQ(ends("a5"), std::vector<std::string>{"a6"});
  EXPECT_EQ(ends("n1"), std::vector<std::string>{"a4"});
}

// A namespace at its size cap refuses writes (LimitExceeded) until a flush moves rows to the
// cold tier: the flush itself still runs (its journal grows the file), and the pages it frees
// count as room again.
TEST_F(ThingsDBTest, AFullNamespaceFlushesAndHasRoomAgain) {
  EngineOptions options = BaseOptions();
  options.hot.limits.max_namespace_bytes = 2 << 20;
  OpenOptions(options);
  const std::string pad(2000, 'x');
  int written = 0;
  Status refused;
  for (; written < 10000; ++written) {
    auto put = db_->Put({"f" + std::to_string(written), "t",
                         "{\"pad\":\"" + pad + "\"}", std::nullopt});
    if (!put.ok()) {
      refused = put.status();
      break;
    }
  }
  ASSERT_EQ(refused.code(), StatusCode::kLimitExceeded) << refused.ToString();
  ASSERT_GT(written, 100);
  FlushOptions all;
  all.all = true;
  auto report = db_->Flush(all);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->things, written);
  EXPECT_EQ(HotCount("things"), 0);
  for (int extra = 0; extra < 100; ++extra) {
    auto put = db_->Put({"g" + std::to_string(extra), "t", "{\"pad\":\"" + pad + "\"}",
                         std::nullopt});
    ASSERT_TRUE(put.ok()) << "after the flush, put " << extra << ": " << put.status().ToString();
  }
  EXPECT_EQ(db_->Get("f0")->data, "{\"pad\":\"" + pad + "\"}");  // from the cold tier
}

TEST_F(ThingsDBTest, MaybeFlushFollowsTheThresholds) {
  Seed();
  auto first = db_->MaybeFlush();  // 15 rows < 10000, but the oldest is 1 h old > 5 min
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->things, 15);
  auto again = db_->MaybeFlush();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());  // nothing hot
}

TEST_F(ThingsDBTest, HotRelationshipsSurviveAFlushOfTheirEndpoints) {
  Seed();
  // Young relationships between old things: the things move, the relationships stay.
  Relate("a5", "a6");
  Relate("a6", "a7", "likes");
  MustFlush(Cutoff(kT0 + 1000));
  EXPECT_EQ(HotCount("things"), 5);
  EXPECT_EQ(HotCount("relationships"), 2);  // no cascade fired
  EXPECT_EQ(IntegrityCheck(), "ok");
  // Deleting a cold endpoint removes its hot relationships (the engine's cascade).
  ASSERT_TRUE(db_->Delete("a6").ok());
  EXPECT_EQ(HotCount("relationships"), 0);
}

TEST_F(ThingsDBTest, DeleteOfAColdThingTombstonesItAndItsRelationships) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  ASSERT_TRUE(db_->Delete("a0").ok());
  EXPECT_EQ(db_->Get("a0").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->Delete("a0").code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->Update("a0", "{}", false).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->Relate({"a1", "knows", "a0", std::nullopt}).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(db_->Delete("a2").ok());

  MustFlush(All());
  auto cold = ColdThings();
  EXPECT_EQ(cold.count("a0"), 0u);
  EXPECT_EQ(cold.count("a2"), 0u);
  EXPECT_EQ(cold.size(), 13u);
  EXPECT_TRUE(ColdRelationships().empty());  // a0→a1 and a2→a3 went with their ends
  EXPECT_EQ(db_->Get("a0").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->Get("a1")->data, "{\"n\":1}");
}

TEST_F(ThingsDBTest, UpdateOfAColdThingMovesTheNewVersionHot) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  auto old = db_->Get("a3");
  ASSERT_TRUE(old.ok());
  now_ms_ += 1000;
  auto updated = db_->Update("a3", "{\"extra\":true}", /*merge=*/true);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->data, "{\"n\":3,\"extra\":true}");
  EXPECT_EQ(updated->created_at, old->created_at);
  EXPECT_GT(updated->updated_at, old->updated_at);
  EXPECT_EQ(hot::ThingJson(*db_->Get("a3")), hot::ThingJson(*updated));
  // A second update is an ordinary hot update.
  ASSERT_TRUE(db_->Update("a3", "{\"n\":33}", false).ok());
  // A bad update of a cold thing leaves the cold version live.
  EXPECT_FALSE(db_->Update("a5", "[1]", false).ok());
  EXPECT_EQ(db_->Get("a5")->data, "{\"n\":5}");

  MustFlush(All());
  auto cold = ColdThings();
  EXPECT_EQ(cold.size(), 15u);
  EXPECT_EQ(cold.at("a3").data, "{\"n\":33}");
  EXPECT_EQ(cold.at("a3").created_at, old->created_at);
  EXPECT_EQ(cold.at("a5").data, "{\"n\":5}");
}

TEST_F(ThingsDBTest, RepeatedColdGetsAreCachedAndFollowEveryChange) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  auto& cache = cold::ColdFileCache::Global();
  auto first = db_->Get("a4");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  int64_t hits = cache.stats().hits;
  auto second = db_->Get("a4");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(hot::ThingJson(*second), hot::ThingJson(*first));
  EXPECT_GT(cache.stats().hits, hits) << "the second cold Get read the files again";
  // An update makes a hot version; a flush then a new snapshot whose answer is the new one.
  now_ms_ += 1000;
  ASSERT_TRUE(db_->Update("a4", "{\"n\":44}", false).ok());
  EXPECT_EQ(db_->Get("a4")->data, "{\"n\":44}");
  MustFlush(All());
  EXPECT_EQ(HotCount("things"), 0);
  EXPECT_EQ(db_->Get("a4")->data, "{\"n\":44}");
  EXPECT_EQ(db_->Get("a4")->data, "{\"n\":44}");
  // A delete of the (cached) cold thing is seen at once, and after the next flush.
  ASSERT_TRUE(db_->Delete("a4").ok());
  EXPECT_EQ(db_->Get("a4").status().code(), StatusCode::kNotFound);
  MustFlush(All());
  EXPECT_EQ(db_->Get("a4").status().code(), StatusCode::kNotFound);
  // A compaction rewrites the files (a new snapshot): the answers stay the same.
  EXPECT_EQ(db_->Get("a5")->data, "{\"n\":5}");
  auto compacted = db_->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_EQ(db_->Get("a5")->data, "{\"n\":5}");
  EXPECT_EQ(db_->Get("a4").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(hot::ThingJson(*db_->Get("b2")), before_["b2"]);
}

TEST_F(ThingsDBTest, RelateToAColdThing) {
  Seed();
  MustFlush(Cutoff(kT0 + 1000));
  hot::Relationship rel = Relate("b0", "a9");  // hot → cold
  EXPECT_FALSE(rel.id.empty());
  Relate("a8", "a9");  // cold → cold
  EXPECT_EQ(db_->Relate({"b0", "knows", "a9", std::nullopt}).status().code(),
            StatusCode::kConflict);
  // a0→a1 lives in the cold tier: a duplicate of it is refused too.
  EXPECT_EQ(db_->Relate({"a0", "knows", "a1", std::nullopt}).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(db_->Relate({"b0", "knows", "zz", std::nullopt}).status().code(),
            StatusCode::kNotFound);
  // Both ends back in the hot tier (updated), their relationship still cold: no duplicate.
  ASSERT_TRUE(db_->Update("a0", "{\"n\":0.5}", false).ok());
  ASSERT_TRUE(db_->Update("a1", "{\"n\":1.5}", false).ok());
  EXPECT_EQ(db_->Relate({"a0", "knows", "a1", std::nullopt}).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(db_->Relate({"b0", "bad type!", "a9", std::nullopt}).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(db_->Relate({"a1", "knows", "a0", std::string("{\"w\":1}")}).ok());
  EXPECT_EQ(HotCount("relationships"), 3);
  ASSERT_TRUE(db_->Delete("a9").ok());  // takes both of its relationships with it
  EXPECT_EQ(HotCount("relationships"), 1);
  MustFlush(All());
  EXPECT_EQ(ColdRelationships().size(), 3u);  // a0→a1, a2→a3, a1→a0
  EXPECT_EQ(IntegrityCheck(), "ok");
}

}  // namespace
}  // namespace thingsdb::engine
