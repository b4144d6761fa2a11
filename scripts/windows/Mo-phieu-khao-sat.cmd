@echo off
rem Mo-phieu-khao-sat.cmd - the surveyor's double-click: the survey forms in the browser.
rem It starts "ictsurvey collect serve" on the store du-lieu\khao-sat.store beside it, which
rem opens the browser. The first time (no store yet), --kit makes the store from the .kit
rem file the office sent, copied into this folder, asking for the site and the surveyor's name.
rem Every text the surveyor reads comes from ictsurvey.exe, in UTF-8 whatever the console's
rem code page. Arguments go on to collect serve (e.g. --lang en). "%~dp0." and not "%~dp0":
rem a quoted argument ending in a backslash would escape its closing quote.
"%~dp0ictsurvey.exe" collect serve --store "%~dp0du-lieu\khao-sat.store" --kit "%~dp0." %*
if errorlevel 1 pause
