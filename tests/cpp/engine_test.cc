#include <gtest/gtest.h>

#include "sim/engine.h"
