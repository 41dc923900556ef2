// The JSON shapes of a namespace's stats and JSON indexes, shared by the command line and
// the HTTP API so both print the same objects.
#pragma once

#include <string>

#include "hot/hot_store.h"

namespace thingsdb::hot {

// {"path","index","createdAt"}
std::string JsonIndexJson(const JsonIndexInfo& info);
// {"things","relationships","thingsByType",…,"indexes":[…]}
std::string StatsJson(const Stats& stats);

}  // namespace thingsdb::hot
