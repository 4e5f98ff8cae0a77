import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.chevet-data/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    rules: {
      // Every user-visible string comes from the i18n files (STYLE.md practice 6).
      'vue/no-bare-strings-in-template': 'error',
      'vue/multi-word-component-names': 'off',
      // Text from the central (names, notes, reports) is never inserted as HTML (docs/security.md §3).
      'vue/no-v-html': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Layers, checked (DESIGN.md §2): only the shell and the preload import electron.
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/shell/**', 'src-main/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only src-main/shell/ (and the preload) import electron.' }] },
      ],
    },
  },
  // The contract and the clinical rules are pure: zod and their own files only (the renderer imports both).
  {
    files: ['src-main/contract/**/*.ts', 'src-main/clinical/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!zod$|\\./)', message: 'src-main/contract imports nothing but zod and itself.' }] },
      ],
    },
  },
  // The renderer reaches main only through the contract.
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: 'src-main/(?!contract|clinical)', message: 'The renderer imports nothing from src-main but contract/ and clinical/ (pure domain rules).' },
            { regex: '^node:', message: 'No Node API in the renderer.' },
            { regex: '^electron$', message: 'No electron in the renderer.' },
          ],
        },
      ],
    },
  },
)
