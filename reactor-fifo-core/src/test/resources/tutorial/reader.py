# The tutorial's reader script (shared/seed/named-pipes-in-python.txt), unchanged but for the
# path, which a test passes as the first argument.
import os
import sys
pipe_path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/data_pipe"
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
