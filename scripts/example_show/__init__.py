"""The example show's content, apart from the script that makes it."""
