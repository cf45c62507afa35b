"""The published transcript and chapter files, and every time format they and the pages use."""
