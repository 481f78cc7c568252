# Reliability campaign (harness/fuzz, README "Robustness"): hostile APDUs, damaged secure-messaging
# commands, interleaved PIN tries on one image, damaged image files, hostile vpcd and WebSocket
# streams, and the memory of `card start` under abusive clients. Bounded (80–110 s on a 2-core machine),
# with the fixed default seed so a failure replays exactly; exits 1 on any invariant violation.
npm run fuzz
