"""What the tests share: synth, template reading, the emulator's and the producer's helpers, the guide runner."""
