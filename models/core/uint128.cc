#include "models/core/uint128.h"
