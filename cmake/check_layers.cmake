# Fails when a file includes a header of a layer above its own. Run by the `check_layers` target,
# which every build runs first (see models/CMakeLists.txt), so a wrong-direction include is a
# build error, not a review finding. Layers, bottom to top, and what each may include besides
# itself (docs/design.md draws the same picture):
#   sim                                    the event engine: nothing of Kinesis
#   core                                   the real Kinesis rules: nothing of simulation
#   errors                                 ScenarioError, thrown by every layer above
#   stream, workload                       the stream; what applications offer (siblings)
#   client                                 the seat every client takes, and its plain results
#   producer, consumer                     SDK, KPL, Kinesis Agent; polling apps, Firehose (siblings)
#   scenario                               JSON -> configs, the client registry
#   world                                  wiring on the engine, the Result
#   text                                   numbers, money, sizes and times as text (beside sim)
#   cost                                   prices of a Result, per capacity mode
#   report                                 analyses, sizing, text, JSON, CSV
# Usage: cmake -DSOURCE_DIR=<repo> -P check_layers.cmake
cmake_minimum_required(VERSION 3.20)
set(allowed_sim "")
set(allowed_core "")
set(allowed_errors "")
set(allowed_text sim)
set(allowed_stream sim core errors)
set(allowed_workload sim core errors)
set(allowed_client sim core errors stream)
set(allowed_producer sim core errors stream workload client)
set(allowed_consumer sim core errors stream workload client)
set(allowed_scenario sim core errors stream workload client producer consumer)
set(allowed_world sim core errors stream workload client producer consumer scenario)
set(allowed_cost sim core errors stream workload client producer consumer scenario world text)
set(allowed_report sim core errors stream workload client producer consumer scenario world text cost)

function(layer_of path out)
  if(path MATCHES "^sim/")
    set(${out} sim PARENT_SCOPE)
  elseif(path MATCHES "^models/(core|errors|stream|workload|client|producer|consumer|scenario|world|text|cost|report)/")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/sim/*.h ${SOURCE_DIR}/sim/*.cc
     ${SOURCE_DIR}/models/*.h ${SOURCE_DIR}/models/*.cc)
set(violations "")
foreach(file ${files})
  layer_of(${file} from)
  if(from STREQUAL "")
    string(APPEND violations "\n  ${file}: not in any layer (put it in one of the folders above)")
    continue()
  endif()
  file(STRINGS ${SOURCE_DIR}/${file} includes REGEX "^#include \"(sim|models)/")
  foreach(line ${includes})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
    layer_of(${header} to)
    if(to STREQUAL "" OR to STREQUAL from)
      continue()
    endif()
    if(NOT to IN_LIST allowed_${from})
      string(APPEND violations "\n  ${file}: layer '${from}' includes ${header} (layer '${to}')")
    endif()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "includes against the layering (see cmake/check_layers.cmake):${violations}")
endif()
