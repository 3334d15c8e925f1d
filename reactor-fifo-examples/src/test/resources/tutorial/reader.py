# The tutorial's "Reader Script", from "How to create and use a named pipe in Python?"
# (shared/seed/named-pipes-in-python.txt). The code is the tutorial's; only its indentation,
# lost in the text copy, was restored. The tests replace "/tmp/data_pipe" with a private path.
import os

pipe_path = "/tmp/data_pipe"

# Read data from the named pipe
try:
    with open(pipe_path, "r") as pipe:
        while True:
            data = pipe.readline().strip()
            if data:
                print(f"Received: {data}")
            else:
                break
except OSError as e:
    print(f"Reader error: {e}")
