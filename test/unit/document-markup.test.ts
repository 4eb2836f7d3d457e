import { describe, expect, it } from 'vitest'
import { decodeEntities, htmlText, markdownTitle } from '../../src/main/kinds/documents/markup'
import { pathFilter } from '../../src/main/kinds/documents/walk'

describe('text out of markup, for the documents index', () => {
  it('decodes named and numeric character references; unknown names stay as written', () => {
    expect(decodeEntities('Fish &amp; chips &#8211; &#x1F600; &eacute;t&eacute; &bogus; &#0;')).toBe('Fish & chips – 😀 &eacute;t&eacute; &bogus; ')
  })

  it('takes the HTML title and the words of the body, not scripts, styles or comments', () => {
    const page = htmlText(
      '<!doctype html><html><head><title> Q&amp;A\n page </title><style>body { color: red }</style></head>' +
        '<body><script>var hidden = "secret"</script><!-- note to self --><h1>Heading</h1><p>First<br>second&nbsp;line</p>' +
        '<ul><li>one</li><li>two</li></ul><span>in</span><span>line</span></body></html>',
    )
    expect(page).toEqual({ title: 'Q&A page', text: 'Heading\nFirst\nsecond line\none\ntwo\nin line' })
  })

  it('an HTML page without a title has none', () => {
    expect(htmlText('<p>just words</p>')).toEqual({ title: null, text: 'just words' })
  })

  it('a markdown title is the first level-one heading outside fenced code', () => {
    expect(markdownTitle('```sh\n# a comment\n```\n## Intro\n#not-a-heading\n# The title #\n# Later')).toBe('The title')
    expect(markdownTitle('~~~\n# inside\n~~~~\n  #   Indented  ')).toBe('Indented')
    expect(markdownTitle('no headings here\n## only level two')).toBeNull()
  })

  it('globs without a slash match file names at any depth; with one, the path under the folder', () => {
    const wanted = pathFilter(['*.md', 'notes/**'], ['draft*'])
    expect(['a.md', 'deep/b.md', 'notes/c.txt', 'notes/x/d.pdf', 'other/e.txt', 'draft.md', 'notes/draft-f.txt'].filter(wanted)).toEqual([
      'a.md',
      'deep/b.md',
      'notes/c.txt',
      'notes/x/d.pdf',
    ])
    expect(['a.txt', '.hidden.txt'].filter(pathFilter([], []))).toEqual(['a.txt', '.hidden.txt'])
  })
})
