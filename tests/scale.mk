# scale (see the files it names)
