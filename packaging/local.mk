# The example configuration, installed once: an existing one is never replaced.
EXTRA_DIST += packaging/meshgate.conf
meshgateconfdir = $(sysconfdir)/meshgate

install-data-local: install-example-config
install-example-config:
	$(MKDIR_P) '$(DESTDIR)$(meshgateconfdir)/conf.d'
	test -f '$(DESTDIR)$(meshgateconfdir)/meshgate.conf' || \
		$(INSTALL_DATA) '$(srcdir)/packaging/meshgate.conf' \
			'$(DESTDIR)$(meshgateconfdir)/meshgate.conf'

uninstall-local: uninstall-example-config
uninstall-example-config:
	if test -f '$(DESTDIR)$(meshgateconfdir)/meshgate.conf' && \
	   cmp -s '$(srcdir)/packaging/meshgate.conf' '$(DESTDIR)$(meshgateconfdir)/meshgate.conf'; then \
		rm -f '$(DESTDIR)$(meshgateconfdir)/meshgate.conf'; \
	fi
	-rmdir '$(DESTDIR)$(meshgateconfdir)/conf.d' '$(DESTDIR)$(meshgateconfdir)'

.PHONY: install-example-config uninstall-example-config

# The systemd unit, with the configured sbindir substituted. Installed under
# the prefix (systemd reads /usr/local/lib/systemd/system too), so a non-root
# install and distcheck stay inside the prefix.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = packaging/meshgated.service
EXTRA_DIST += packaging/meshgated.service.in
CLEANFILES += packaging/meshgated.service

packaging/meshgated.service: $(srcdir)/packaging/meshgated.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) packaging && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/packaging/meshgated.service.in > $@.tmp && \
	mv $@.tmp $@
