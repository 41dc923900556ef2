// Properties (rapidcheck): find returns the same rows with and without a JSON index, and
// paging through any result visits each row once.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "hot/hot_store.h"
#include "hot/testing/temp_dir.h"

namespace thingsdb::hot {
namespace {

std::vector<std::string> Ids(HotStore& store, FindQuery query) {
  std::vector<std::string> ids;
  while (true) {
    auto page = store.Find(query);
    RC_ASSERT(page.ok());
    for (auto& t : page->things) ids.push_back(t.id);
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  return ids;
}

RC_GTEST_PROP(FindProperty, SameRowsWithAndWithoutIndex, ()) {
  testing::TempDir dir;
  auto store = HotStore::Open(dir.File("p.db"));
  RC_ASSERT(store.ok());
  auto values = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 20));
  std::vector<BatchItem> items;
  for (int v : values) {
    std::string data = v % 5 == 0 ? "{\"k\":\"s" + std::to_string(v) + "\"}"
                                  : "{\"k\":" + std::to_string(v) + "}";
    items.push_back({NewThing{std::nullopt, v % 2 ? "odd" : "even", data, std::nullopt}});
  }
  RC_ASSERT((*store)->WriteBatch(items).ok());
  int probe = *rc::gen::inRange(0, 20);
  std::string op = *rc::gen::element<std::string>("=", "!=", "<", "<=", ">", ">=");
  FindQuery query;
  query.where = {*ParseCondition("$.k " + op + " " + std::to_string(probe))};
  query.order_path = "$.k";
  query.descending = *rc::gen::arbitrary<bool>();
  query.limit = *rc::gen::inRange(1, 8);
  auto without = Ids(**store, query);
  RC_ASSERT((*store)->AddIndex("$.k").ok());
  auto with = Ids(**store, query);
  RC_ASSERT(without == with);
  RC_ASSERT(std::set<std::string>(with.begin(), with.end()).size() == with.size());
}

}  // namespace
}  // namespace thingsdb::hot
