"""OCPP 2.1 / 2.0.1 (OCPP-J over websocket): frames, sans-I/O session, transport, CSMS and station emulators."""
