// Catch2's main for the CPU suite.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
