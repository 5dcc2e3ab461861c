//! Debian's Chromium and ChromeDriver (packages chromium and chromium-driver, installed by
//! scripts/install-test-deps.sh), for the explorer page's browser test.

/// `$CHROMIUM_BIN`, else Debian's /usr/bin/chromium.
pub fn chromium() -> String {
    std::env::var("CHROMIUM_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// `$CHROMEDRIVER_BIN`, else Debian's /usr/bin/chromedriver.
pub fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER_BIN").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}
