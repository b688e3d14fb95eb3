"""Packaging for oauth2: the metadata lives here, the build backend in pyproject.toml."""

import pathlib
import re

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent
VERSION = re.search(r'^__version__ = "([^"]+)"', (HERE / "oauth2" / "__init__.py").read_text(), re.M).group(1)

TEST_REQUIRES = [
    "pytest>=7",
    "pytest-xdist>=3",
    "hypothesis>=6.80",
    "oauthlib>=3.2",
    "twisted>=23.8",
    "aiosmtpd>=1.4.4",
    "cryptography>=41",
    "redis>=4.5",
    "mypy>=1.8",
    "ruff>=0.5",
    "setuptools>=61",
    "wheel",
    "requests>=2.25",
    "httpx>=0.23",
    "uvicorn>=0.20",
    "starlette>=0.25",
]

setup(
    name="oauth2",
    version=VERSION,
    description="OAuth 1.0a (RFC 5849) for Python 3: the maintained, drop-in successor of python-oauth2 1.9.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    project_urls={
        "RFC 5849": "https://www.rfc-editor.org/rfc/rfc5849",
        "Original python-oauth2": "https://github.com/joestump/python-oauth2",
    },
    packages=find_packages(include=["oauth2", "oauth2.*"]),
    package_data={"oauth2": ["py.typed"]},
    python_requires=">=3.9",
    install_requires=["httplib2>=0.19"],
    extras_require={
        "rsa": ["cryptography>=41"],
        "redis": ["redis>=4.5"],
        "requests": ["requests>=2.25"],
        "httpx": ["httpx>=0.23"],
        "test": TEST_REQUIRES,
    },
    entry_points={"console_scripts": ["oauth2=oauth2.cli:main"]},
    keywords="oauth oauth1 oauth1a rfc5849 httplib2 xoauth imap smtp lti",
    classifiers=[
        "Development Status :: 5 - Production/Stable",
        "Intended Audience :: Developers",
        "License :: OSI Approved :: MIT License",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Internet :: WWW/HTTP",
        "Topic :: Security",
        "Typing :: Typed",
    ],
)
