# soak (see the files it names)
