# What `cmake --install` puts where, and how `cpack -G DEB` wraps it into
# ankisync_<version>_<arch>.deb with a systemd unit (docs/deploy.md).
# The architecture is the building machine's: build on a Pi (or in an
# arm64 Debian) for arm64.
include(GNUInstallDirs)

set(ankisync_package_dir ${CMAKE_CURRENT_LIST_DIR})

install(TARGETS ankisync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Where the server looks for it: ../lib/ankisync from the binary.
install(TARGETS ankisync_tls LIBRARY DESTINATION lib/ankisync
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# Debian's systemd looks in /lib/systemd/system (Debian 12 keeps that path).
install(FILES ${ankisync_package_dir}/ankisync.service DESTINATION /lib/systemd/system)
# Owner-only: once filled in it may hold passwords or the admin token.
install(FILES ${ankisync_package_dir}/ankisync.default DESTINATION /etc/default
        RENAME ankisync PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/deploy.md
              ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/admin.md
              ${PROJECT_SOURCE_DIR}/docs/migration.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ankisync)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "ankisync developers <ankisync@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted sync server for Anki")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Syncs Anki desktop, AnkiDroid and AnkiMobile collections and media\n through a machine you control instead of AnkiWeb.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Library dependencies are read from the binary by dpkg-shlibdeps; the
# maintainer scripts need useradd (passwd) and runuser (util-linux).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, util-linux")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${ankisync_package_dir}/postinst ${ankisync_package_dir}/prerm
  ${ankisync_package_dir}/postrm ${ankisync_package_dir}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The build keeps its debug information; the package does not need it.
set(CPACK_STRIP_FILES ON)
include(CPack)
