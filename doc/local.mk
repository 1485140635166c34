# Man pages: the reference for the daemon, the control tool and the file.
dist_man_MANS += doc/meshgated.8 doc/meshgate.8 doc/meshgate.conf.5
