#include "models/core/hash_key.h"
