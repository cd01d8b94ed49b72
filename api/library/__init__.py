"""The image library of seed 004: generate, keep, find, favourite and delete images."""
