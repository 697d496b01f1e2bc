"""The hostile mail corpus: generator modules and the .eml files they write."""
