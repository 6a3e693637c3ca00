# espeak-ng (Debian) for the speech-recognition test set and the Slow dictation tests:
# tools/make_asr_testset.py speaks MTS-Dialog turns with it, and tests/speech/asr_espeak_test.cpp
# speaks two sentences for the real Whisper base. Sourced by scripts/setup.sh.
apt_install_missing espeak-ng
