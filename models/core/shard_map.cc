#include "models/core/shard_map.h"
