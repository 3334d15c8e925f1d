# The tutorial's "Writer Script", from "How to create and use a named pipe in Python?"
# (shared/seed/named-pipes-in-python.txt). The code is the tutorial's; only its indentation,
# lost in the text copy, was restored. The tests replace "/tmp/data_pipe" with a private path.
import os
import time

pipe_path = "/tmp/data_pipe"

# Create the named pipe
try:
    os.mkfifo(pipe_path)
except FileExistsError:
    pass  # Pipe already exists

# Write data continuously
try:
    with open(pipe_path, "w") as pipe:
        for i in range(5):
            message = f"Message {i+1} from writer"
            pipe.write(message + "\n")
            pipe.flush()
            print(f"Sent: {message}")
            time.sleep(1)
except OSError as e:
    print(f"Writer error: {e}")
