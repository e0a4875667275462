/* Empty on purpose: cffi knows the fixed-width types, bool and size_t. */
