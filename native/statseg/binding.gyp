{
  "targets": [
    {
      "target_name": "statseg",
      "sources": ["statseg.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"]
    }
  ]
}
