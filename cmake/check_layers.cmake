cmake_minimum_required(VERSION 3.20)
# Fails when a source file includes what its layer may not (run by the build: cmake -P).
#
# Layers, lowest first; a layer may include itself and the layers it names:
#   core      -
#   storage   core
#   model     core
#   http      core
#   auth      core http storage
#   protocol  core model http auth
#   events    core storage events
#   mail      core http storage events (the mailbox and its SMTP relay, shared by services)
#   runtime   core http storage
#   server    everything below, services/service.h
#   services  everything below and server; its own folder; of another service only the port
#             headers: services/<other>/api.h (and lambda's invoke.h, the Invoke port)
#   main      anything
# Usage: cmake -DSRC=<src dir> -DSTAMP=<file written on success> -P check_layers.cmake
set(_allowed_core "core")
set(_allowed_storage "core;storage")
set(_allowed_model "core;model")
set(_allowed_http "core;http")
set(_allowed_auth "core;http;storage;auth")
set(_allowed_protocol "core;model;http;auth;protocol")
set(_allowed_events "core;storage;events")
set(_allowed_mail "core;http;storage;events;mail")
set(_allowed_runtime "core;http;storage;runtime")
set(_allowed_server "core;storage;model;http;auth;protocol;events;mail;runtime;server")
set(_allowed_services "core;storage;model;http;auth;protocol;events;mail;runtime;server")

file(GLOB_RECURSE _files RELATIVE ${SRC} ${SRC}/*.cc ${SRC}/*.h)
set(_errors "")
foreach(f ${_files})
  string(REGEX MATCH "^[^/]+" layer "${f}")
  if(layer STREQUAL "main")
    continue()
  endif()
  set(svc "")
  if(layer STREQUAL "services")
    string(REGEX MATCH "^services/([^/]+)/" _m "${f}")
    set(svc "${CMAKE_MATCH_1}")
  endif()
  file(STRINGS ${SRC}/${f} _includes REGEX "^#include \"")
  foreach(line ${_includes})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" inc "${line}")
    string(REGEX MATCH "^[^/]+" target "${inc}")
    if(NOT EXISTS ${SRC}/${inc})
      continue()  # generated or third-party headers named relative to something else
    endif()
    set(ok FALSE)
    if(target STREQUAL "services")
      if(inc STREQUAL "services/service.h")
        if(NOT layer MATCHES "^(core|storage|model|http|auth|protocol|events|mail|runtime)$")
          set(ok TRUE)
        endif()
      elseif(layer STREQUAL "services")
        string(REGEX MATCH "^services/([^/]+)/(.*)$" _m "${inc}")
        set(inc_svc "${CMAKE_MATCH_1}")
        set(inc_file "${CMAKE_MATCH_2}")
        if(svc STREQUAL "" OR inc_svc STREQUAL svc OR inc_file STREQUAL "api.h"
           OR inc STREQUAL "services/lambda/invoke.h")
          set(ok TRUE)
        endif()
      endif()
    else()
      list(FIND _allowed_${layer} "${target}" _i)
      if(NOT _i EQUAL -1)
        set(ok TRUE)
      endif()
    endif()
    if(NOT ok)
      string(APPEND _errors "  src/${f}: #include \"${inc}\" crosses a layer\n")
    endif()
  endforeach()
endforeach()
if(_errors)
  message(FATAL_ERROR "Include rules broken (see cmake/check_layers.cmake):\n${_errors}")
endif()
file(WRITE ${STAMP} "ok\n")
