#!/usr/bin/env bash
# Debian packages the test suite needs: chromium for the browser tests and a CJK font so pages render Chinese.
# Installs them when run as root with apt; otherwise says what is missing (the browser tests then skip).
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK\|Noto Serif CJK\|WenQuanYi" || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装系统软件包：${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
    echo "!!! 缺少系统软件包：${need[*]}（需 root 执行 apt-get install ${need[*]}）；浏览器测试将跳过。"
fi
