#include "models/core/aggregation.h"
