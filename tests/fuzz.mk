# fuzz (see the files it names)
