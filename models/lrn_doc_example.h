/* Input of Caffe2's LRN documentation example (np.random.randn(1, 6, 6, 1), as printed in the
 * op's doc), shared by `c2run` (its built-in demo) and the tests. */
#ifndef C2_MODELS_LRN_DOC_EXAMPLE_H
#define C2_MODELS_LRN_DOC_EXAMPLE_H

static const float lrn_doc_example_x[36] = {
    0.72985137f,  -0.3753357f,  2.7344604f,  -0.5937792f, 0.38440478f, -2.1659644f,
    -0.92846817f, -0.9996144f,  0.212943f,   -1.968045f,  -0.77839696f, 0.45492038f,
    -0.11263168f, 1.9901097f,   0.19275683f, 0.15630436f, 0.7536298f,  -0.77339894f,
    0.8353551f,   -0.7784452f,  1.779317f,   0.22421335f, 1.3846219f,  -3.0546608f,
    0.09977621f,  2.2071757f,   0.79971045f, 3.563886f,   -0.7169287f, 0.77170426f,
    -1.4296649f,  0.19181213f,  0.45961624f, -1.0201577f, 0.62854475f, -0.6395456f};

#endif
