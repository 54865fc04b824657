"""Headless chromium through selenium (Debian's chromium and chromium-driver), with screenshots kept in
e2e/artifacts/screenshots."""

import pathlib
import shutil

import pytest

SCREENSHOTS = pathlib.Path(__file__).resolve().parent / "artifacts" / "screenshots"


def chromium(width: int = 1100, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    binary = shutil.which("chromium")
    if not driver_path or not binary:
        pytest.skip("chromium and chromium-driver are not installed (scripts/test installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}",
                     "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


def screenshot(driver, name: str) -> pathlib.Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
