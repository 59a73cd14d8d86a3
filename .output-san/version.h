#define WW_GIT_REV "80777b22ac0d"
